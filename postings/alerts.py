"""Alerts: save a search, list, edit, pause, resume and delete one, and unsubscribe from its
email with a signed link (no sign-in)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from postings.models import SavedSearch


class SavedSearchForm(forms.ModelForm):
    class Meta:
        model = SavedSearch
        fields = ["name", "query", "frequency", "digest_hour"]
        widgets = {
            "query": forms.HiddenInput,
            "frequency": forms.RadioSelect,
        }
        help_texts = {
            "name": gettext_lazy("For example “Hengdian lighting, ¥400+”."),
            "digest_hour": gettext_lazy("Asia/Shanghai time; used by the daily digest."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["name"].required = False

    def clean_query(self):
        query = SavedSearch.clean_query(self.cleaned_data.get("query") or "")
        probe = SavedSearch(user=self.user, query=query)
        filterset = probe.filterset(SavedSearch.objects.none())
        if filterset.is_bound and not filterset.form.is_valid():
            raise forms.ValidationError(
                _("This search has filters that cannot be used: correct them on the search page.")
            )
        return query

    def clean_name(self):
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            q = QueryDict(self.data.get("query", "")).get("q", "").strip()
            name = q[:80] or _("My search")
        return name

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding and (
            SavedSearch.objects.filter(user=self.user).count() >= SavedSearch.MAX_PER_USER
        ):
            raise forms.ValidationError(
                _("You can keep at most %(max)d alerts: delete one you no longer need first.")
                % {"max": SavedSearch.MAX_PER_USER}
            )
        return cleaned


def _mine(request, pk) -> SavedSearch:
    return get_object_or_404(SavedSearch.objects.filter(user=request.user), pk=pk)


@require_safe
def alert_list(request):
    alerts = SavedSearch.objects.filter(user=request.user).with_found_count()
    return render(
        request,
        "postings/alert_list.html",
        {"alerts": alerts, "max_alerts": SavedSearch.MAX_PER_USER},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def alert_create(request):
    query = SavedSearch.clean_query(request.GET.get("query", ""))
    initial = {"query": query, "name": QueryDict(query).get("q", "")[:80]}
    form = SavedSearchForm(
        request.POST or None,
        initial=initial,
        user=request.user,
        instance=SavedSearch(user=request.user),
    )
    if form.is_valid():
        alert = form.save()
        messages.success(request, _("Alert “%(name)s” saved.") % {"name": alert.name})
        return redirect("postings:alert_list")
    return render(request, "postings/alert_form.html", {"form": form, "alert": None})


@require_http_methods(["GET", "HEAD", "POST"])
def alert_edit(request, pk):
    alert = _mine(request, pk)
    form = SavedSearchForm(request.POST or None, instance=alert, user=request.user)
    if form.is_valid():
        form.save()
        messages.success(request, _("Alert “%(name)s” saved.") % {"name": alert.name})
        return redirect("postings:alert_list")
    return render(request, "postings/alert_form.html", {"form": form, "alert": alert})


@require_POST
def alert_pause(request, pk):
    alert = _mine(request, pk)
    alert.pause()
    messages.success(request, _("Alert “%(name)s” paused.") % {"name": alert.name})
    return redirect("postings:alert_list")


@require_POST
def alert_resume(request, pk):
    alert = _mine(request, pk)
    alert.resume()
    messages.success(request, _("Alert “%(name)s” resumed.") % {"name": alert.name})
    return redirect("postings:alert_list")


@require_POST
def alert_delete(request, pk):
    alert = _mine(request, pk)
    alert.delete()
    messages.success(request, _("Alert “%(name)s” deleted.") % {"name": alert.name})
    return redirect("postings:alert_list")


@login_not_required
@csrf_exempt  # mail apps POST here without a token (RFC 8058); the signed link is the proof
@require_http_methods(["GET", "HEAD", "POST"])
def alert_unsubscribe(request, token):
    """GET asks (link checkers in mail systems must not unsubscribe anyone); POST, from the
    page or a mail app's one-click button, pauses the alert."""
    alert = SavedSearch.from_unsubscribe_token(token)
    if alert is None:
        raise Http404
    if request.method == "POST":
        alert.pause(SavedSearch.PauseReason.UNSUBSCRIBED)
        return redirect("postings:alert_unsubscribe", token=token)
    return render(request, "postings/alert_unsubscribe.html", {"alert": alert})

"""The cities shoots happen in, seeded by a data migration and kept after test flushes."""

# Production hubs and other cities crews work in (DOMAIN.md §5.2). Admins can add more.
CITIES = [
    # slug, Chinese, English, province, hub
    ("hengdian", "横店", "Hengdian", "浙江", True),
    ("zhengzhou", "郑州", "Zhengzhou", "河南", True),
    ("xian", "西安", "Xi'an", "陕西", True),
    ("shanghai", "上海", "Shanghai", "上海", True),
    ("beijing", "北京", "Beijing", "北京", True),
    ("hangzhou", "杭州", "Hangzhou", "浙江", True),
    ("changsha", "长沙", "Changsha", "湖南", True),
    ("guangzhou", "广州", "Guangzhou", "广东", True),
    ("chengdu", "成都", "Chengdu", "四川", True),
    ("qingdao", "青岛", "Qingdao", "山东", True),
    ("dongguan", "东莞", "Dongguan", "广东", True),
    ("xiangshan", "象山", "Xiangshan", "浙江", True),
    ("shangyu", "上虞", "Shangyu", "浙江", False),
    ("ningbo", "宁波", "Ningbo", "浙江", False),
    ("wuhan", "武汉", "Wuhan", "湖北", False),
    ("yangzhou", "扬州", "Yangzhou", "江苏", False),
    ("shenzhen", "深圳", "Shenzhen", "广东", False),
    ("chongqing", "重庆", "Chongqing", "重庆", False),
    ("nanjing", "南京", "Nanjing", "江苏", False),
    ("xuchang", "许昌", "Xuchang", "河南", False),
]


def seed_cities(City, using: str = "default") -> None:
    """Create the seeded cities that are missing; admins' edits and additions are kept."""
    existing = set(City.objects.using(using).values_list("slug", flat=True))
    City.objects.using(using).bulk_create(
        [
            City(slug=slug, name_zh=zh, name_en=en, province=province, is_hub=hub)
            for slug, zh, en, province, hub in CITIES
            if slug not in existing
        ]
    )

from django.apps import AppConfig


class ScaleConfig(AppConfig):
    """Agency-scale data (`strengthwise seed`) and the benchmark (`strengthwise bench`): tools
    above every domain app, since they write and read all of them."""

    name = "strengthwise.scale"
    label = "scale"
    verbose_name = "Scale: seed and bench"

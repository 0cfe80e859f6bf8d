app_name = "addressbook"

urlpatterns: list = []

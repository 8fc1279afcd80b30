from ninja import NinjaAPI

api = NinjaAPI(title="Linli API", version="1.0.0", urls_namespace="api")

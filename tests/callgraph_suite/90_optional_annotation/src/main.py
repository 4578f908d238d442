from typing import Optional


class Cache:
    def get(self, key):
        pass


class Store:
    def get(self, key):
        pass


def lookup(cache: Optional[Cache], store: "Store | None", key):
    if cache:
        cache.get(key)
    if store:
        store.get(key)

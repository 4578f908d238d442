d = {"a": 1}
for k, v in d.items():
    pass
d.get("a")

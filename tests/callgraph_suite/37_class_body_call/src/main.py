def compute():
    return 1


class Settings:
    value = compute()

def checked(method):
    def wrapper(self):
        self.check()
        return method(self)
    return wrapper


class Account:
    def check(self):
        pass

    @checked
    def withdraw(self):
        pass


def main():
    Account().withdraw()

class Base:
    def __init__(self, name):
        self.name = name


class Child(Base):
    def hello(self):
        pass


def main():
    c = Child("x")
    c.hello()

class Base:
    def greet(self):
        pass


class Child(Base):
    pass


def main():
    Child().greet()

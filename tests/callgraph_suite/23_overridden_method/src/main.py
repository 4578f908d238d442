class Base:
    def greet(self):
        pass

    def run(self):
        self.greet()


class Child(Base):
    def greet(self):
        pass


def main():
    c = Child()
    c.greet()

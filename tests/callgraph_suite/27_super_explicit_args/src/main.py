class Base:
    def run(self):
        pass


class Middle(Base):
    def run(self):
        pass


class Child(Middle):
    def run(self):
        super(Middle, self).run()


def main():
    Child().run()

class Base:
    def run(self):
        pass

class Child(Base):
    def run(self):
        pass

Child().run()

class Base:
    def run(self):
        pass

class Child(Base):
    pass

Child().run()

class Base:
    def save(self):
        pass


class Child(Base):
    def save(self):
        self.validate()
        super().save()

    def validate(self):
        pass


def main():
    Child().save()

class Circle:
    def area(self):
        pass


class Square:
    def area(self):
        pass


def main():
    for shape in [Circle(), Square()]:
        shape.area()

from dataclasses import dataclass


@dataclass
class Point:
    x: int
    y: int

    def norm(self):
        return self.x + self.y


def main():
    Point(1, 2).norm()

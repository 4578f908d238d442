from builder import Builder


def main():
    Builder().add(1).add(2).build()

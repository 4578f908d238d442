class A:
    @staticmethod
    def s():
        pass

    @classmethod
    def c(cls):
        cls.s()

A.c()

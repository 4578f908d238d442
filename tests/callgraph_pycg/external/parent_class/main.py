from ext import Base

class A(Base):
    def go(self):
        self.base_method()

a = A()
a.go()

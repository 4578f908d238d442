# expect: SEC031
class Api:
    def transfer(self, session, amount, to):
        assert session.is_authenticated
        assert amount > 0
        return session.bank.transfer(amount, to)

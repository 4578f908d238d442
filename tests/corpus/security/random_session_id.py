# expect: SEC021
import random


class Sessions:
    def new_session_id(self):
        session_id = "%032x" % random.getrandbits(128)
        return session_id

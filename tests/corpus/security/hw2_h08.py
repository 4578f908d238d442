# expect: SEC001
import tornado.web


class CalcHandler(tornado.web.RequestHandler):
    def get(self):
        expr = self.get_argument("expr")
        self.write(str(eval(expr)))

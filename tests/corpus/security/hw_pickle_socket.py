# expect: SEC009
import pickle
import socketserver


class JobHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data = self.request.recv(65536)
        job = pickle.loads(data)
        job.run()

# expect: SEC003
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

import sqlite3


async def search(request):
    term = request.query_params["term"]
    db = sqlite3.connect("catalog.db")
    sql = "SELECT id, title FROM products WHERE title LIKE '%" + term + "%'"
    rows = db.execute(sql).fetchall()
    return JSONResponse([dict(id=r[0], title=r[1]) for r in rows])


app = Starlette(routes=[Route("/search", search)])

# expect: SEC003
from aiohttp import web
import aiosqlite


async def search(request):
    term = request.match_info["term"]
    async with aiosqlite.connect("app.db") as db:
        async with db.execute(f"SELECT * FROM docs WHERE body LIKE '%{term}%'") as cur:
            rows = await cur.fetchall()
    return web.json_response(rows)

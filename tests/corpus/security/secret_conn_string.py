# expect: SEC030
from sqlalchemy import create_engine

engine = create_engine("postgresql://reporting:Qx7!mVz2pL@db.prod.internal:5432/warehouse")

"""Page reads' rows as a DataFrame straight from the driver's cursor.

store.read.frame builds a SQLAlchemy Row for every row (a Python-level fetch each): for the
5,000-outlet reads of the large bank that cost twice the query. Columns of text and numbers
need none of SQLAlchemy's result processing, so those statements are fetched in one call;
any other (dates, booleans) goes through frame, whose processors turn them into Python values.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Float, Integer, Numeric, Select, String

from store.read import frame

_PLAIN = (String, Integer, Float, Numeric)


def plain_frame(connection: Connection, statement: Select) -> pd.DataFrame:
    """`frame(connection, statement)`, fetched from the cursor when every column is plain."""
    if not all(isinstance(column.type, _PLAIN) for column in statement.selected_columns):
        return frame(connection, statement)
    result = connection.execute(statement)
    names = list(result.keys())
    rows = result.cursor.fetchall()
    result.close()
    if not rows:  # typed like frame's empty reads: a numeric column stays numeric
        return frame(connection, statement)
    return pd.DataFrame(rows, columns=names)

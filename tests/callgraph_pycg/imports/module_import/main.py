import helpers

helpers.tool()

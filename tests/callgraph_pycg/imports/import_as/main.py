import helpers as h

h.tool()

"""Wire records: which keys each TVDB record has, their types, defaults and order.

Each record type is described once (a list of ``Field``); import validation, the storage
columns, export and the API rendering all read the same description.
"""

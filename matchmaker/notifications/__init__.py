"""The notification pages: the list, opening one (which marks it read), marking all read."""

// A page of the table whose content is still to be built: nothing to load yet.

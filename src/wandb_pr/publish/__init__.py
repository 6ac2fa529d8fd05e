"""Publishers: where a finished report goes (files, step outputs, GitHub)."""

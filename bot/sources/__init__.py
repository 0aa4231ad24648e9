"""The only place that talks to film catalogues over HTTP (TMDB), and maps their answers to films."""

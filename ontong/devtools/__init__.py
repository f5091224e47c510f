"""Development tools, not part of serving a city: the demo city loader and its public second
factor, the local Meta Graph API emulator with its citizen simulator, and `ontong run`, which
starts them with the web server and a worker. Runtime code never imports this package."""

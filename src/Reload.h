// The administrative route that re-imports the scripts ("Python.AllowReload").
#pragma once

// Registers POST /plugins/python/reload (at plugin start, without the GIL);
// `refuseRemote`: remote access without authentication, the route answers 403.
void RegisterReloadRoute(bool refuseRemote);

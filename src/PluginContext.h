// Access to the Orthanc context received in OrthancPluginInitialize().
#pragma once

#include <orthanc/OrthancCPlugin.h>

OrthancPluginContext* PluginContext();
void SetPluginContext(OrthancPluginContext* context);

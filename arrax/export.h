#pragma once

#if defined(_WIN32)
#define ARRAX_API __declspec(dllexport)
#else
#define ARRAX_API __attribute__((visibility("default")))
#endif

// zlib (Debian: libz-dev): gzip reading of IDX files and gzip Content-Encoding.
#include <zlib.h>

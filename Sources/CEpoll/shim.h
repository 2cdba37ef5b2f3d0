// epoll for the HTTP server's event loops (Glibc's Swift module does not include it).
#include <sys/epoll.h>

// libzmq's C API (Debian: libzmq3-dev), for the ZeroMQ wrapper module.
#include <zmq.h>

// oneDNN's C API (Debian libdnnl-dev, OpenMP threading) and the one OpenMP call BertNER needs:
// the engine runs each product on one thread of its own pool, so every calling thread sets its
// OpenMP team size to 1 (an OpenMP per-thread setting) before it executes a primitive.
#include <oneapi/dnnl/dnnl.h>
void omp_set_num_threads(int num_threads);

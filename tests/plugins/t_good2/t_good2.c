#define T_NAME "t_good2"
#include "../t_good/t_good.c"

#define T_NAME "t_good3"
#include "../t_good/t_good.c"

/* Negative check: an ECALL nobody expects must end in the env's unexpected-trap
 * failure, exit code 1337. */
#include "env.h"

RVTEST_CODE_BEGIN
    li TESTNUM, 2
    ecall
    RVTEST_PASS
RVTEST_CODE_END

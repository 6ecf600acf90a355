/* Negative check: test 3 expects a wrong sum, so this program must exit with code 3.
 * Proves the harness reports failures instead of passing everything. */
#include "env.h"

RVTEST_CODE_BEGIN
    TEST_RR(2, add, 3, 1, 2)
    TEST_RR(3, add, 4, 1, 2)
    RVTEST_PASS
RVTEST_CODE_END

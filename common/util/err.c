/* err.c — messages and stable code names for the FH_E* error list in err.h. */
#include "fahras/err.h"

const char *fh_strerror(int err)
{
    switch (err) {
    case FH_OK:
        return "success";
#define FH_ERR_MSG_(name, value, code, msg)                                                        \
    case name:                                                                                     \
        return msg;
        FH_ERRORS(FH_ERR_MSG_)
#undef FH_ERR_MSG_
    default:
        return "unknown error";
    }
}

const char *fh_errcode(int err)
{
    switch (err) {
    case FH_OK:
        return "ok";
#define FH_ERR_CODE_(name, value, code, msg)                                                       \
    case name:                                                                                     \
        return code;
        FH_ERRORS(FH_ERR_CODE_)
#undef FH_ERR_CODE_
    default:
        return "internal_error";
    }
}

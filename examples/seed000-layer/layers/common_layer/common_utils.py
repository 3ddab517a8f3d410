import logging
import os
logger_ = logging.getLogger()

logLevelTable_ = {
    'NOTSET':   logging.NOTSET,
    'DEBUG':    logging.DEBUG,
    'INFO':     logging.INFO,
    'WARNING':  logging.WARNING,
    'ERROR':    logging.ERROR,
    'CRITICAL': logging.CRITICAL,
}

logLevel_ = logging.INFO

if 'LOGGING_LEVEL' in os.environ and os.environ['LOGGING_LEVEL'] in logLevelTable_:
    logLevel_ = logLevelTable_[os.environ['LOGGING_LEVEL']]

logger_.setLevel(logLevel_)


def getLogger():
    return logger_

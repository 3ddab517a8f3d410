# The seed's handler, trimmed to what runs without Box and MySQL: it
# imports common_utils from the layer (/opt/python) exactly as the seed does.
import logging

import common_utils

logger = common_utils.getLogger()


def lambda_handler(event, context):
    logger.info("upload requested: %s", event.get("file", "-"))
    return {
        "StatusCode": 200,
        "body": "done",
        "level": logging.getLevelName(logger.getEffectiveLevel()),
        "common_utils": common_utils.__file__,
    }

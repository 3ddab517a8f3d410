# The book's list 4-4 (chapter 4): a file put into one bucket becomes a
# password-protected ZIP in another. Differences from the book, each for a
# reason:
#  - zipcrypto (pure Python, shipped beside this file) stands in for the
#    pyminizip C extension, with the same compress() call;
#  - the key is URL-decoded (S3 event records carry keys form-urlencoded:
#    "my file.txt" arrives as "my+file.txt"), and only its base name is
#    used inside the temp dir;
#  - the destination bucket and password come from the environment, with
#    the book's values as defaults.
# No endpoint appears here: boto3 finds hako through AWS_ENDPOINT_URL, as
# it finds AWS on AWS.
import os
import tempfile
import urllib.parse

import boto3
import zipcrypto as pyminizip

DEST_BUCKET = os.environ.get("DEST_BUCKET", "examplewrite000")
DEST_PREFIX = os.environ.get("DEST_PREFIX", "")
PASSWORD = os.environ.get("ZIP_PASSWORD", "mypassword")


def lambda_handler(event, context):
    s3 = boto3.resource('s3')
    for rec in event['Records']:
        key = urllib.parse.unquote_plus(rec['s3']['object']['key'])
        filename = os.path.basename(key)
        obj = s3.Object(rec['s3']['bucket']['name'], key)
        response = obj.get()
        tmpdir = tempfile.TemporaryDirectory()
        fp = open(tmpdir.name + '/' + filename, 'wb')
        fp.write(response['Body'].read())
        fp.close()

        # 暗号化 (encrypt)
        zipname = tempfile.mkstemp(suffix='.zip')[1]
        os.chdir(tmpdir.name)
        pyminizip.compress(filename, zipname, PASSWORD, 0)

        # S3にアップロード (upload)
        obj = s3.Object(DEST_BUCKET, DEST_PREFIX + key + '.zip')
        print("zipped s3://%s/%s to s3://%s/%s" % (rec['s3']['bucket']['name'], key, DEST_BUCKET, obj.key))
        obj.put(Body=open(zipname, 'rb'))

        tmpdir.cleanup()
        os.unlink(zipname)

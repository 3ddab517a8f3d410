package s3

import (
	"net/http"

	"hako/internal/protocol"
)

// servePostObject answers a browser upload (POST multipart/form-data).
func (s *Service) servePostObject(w http.ResponseWriter, r *http.Request, c *protocol.Call) {
	writeXMLError(w, c, http.StatusNotImplemented, "NotImplemented", "POST Object (browser uploads) is not implemented by hako yet.")
}

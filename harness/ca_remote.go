package harness

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// A remote browser cannot be given the run's per-run CA on its command
// line (no SPKI pins, no NSS database of ours), and corsproof never
// switches its certificate checks off. So a run with remote browsers signs
// its origin pages and mock with a CA the user made once (NewRemoteCA,
// `corsproof ca`) and installed as a trust anchor in the remote browsers'
// profiles, as they would install any test CA on their farm.

// NewRemoteCA makes a CA for remote browsers, valid for validFor.
func NewRemoteCA(validFor time.Duration) (*CA, error) {
	if validFor <= 0 {
		return nil, errors.New("ca: the validity must be positive")
	}
	return newCA("corsproof remote-browser CA", validFor)
}

// caFrom makes a CA of a certificate and its key, with a fresh leaf key.
func caFrom(der []byte, key *ecdsa.PrivateKey) (*CA, error) {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("leaf key: %w", err)
	}
	return &CA{cert: cert, certDER: der, key: key, leafKey: leafKey, leafs: map[string]*tls.Certificate{}}, nil
}

// CertificatePEM is the CA's certificate, to install in a browser.
func (ca *CA) CertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.certDER})
}

// MarshalPEM is the CA's certificate and private key, for ParseCA. Keep it
// private: whoever holds it can impersonate any name to a browser that
// trusts the CA.
func (ca *CA) MarshalPEM() ([]byte, error) {
	k, err := x509.MarshalECPrivateKey(ca.key)
	if err != nil {
		return nil, err
	}
	return append(ca.CertificatePEM(), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: k})...), nil
}

// ParseCA reads a CA that MarshalPEM wrote: a CERTIFICATE of a CA and its
// EC PRIVATE KEY. Errors name what is missing or wrong.
func ParseCA(data []byte) (*CA, error) {
	var der []byte
	var key *ecdsa.PrivateKey
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			if der == nil {
				der = b.Bytes
			}
		case "EC PRIVATE KEY":
			k, err := x509.ParseECPrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("ca: the EC PRIVATE KEY does not parse: %w", err)
			}
			key = k
		}
	}
	if der == nil || key == nil {
		return nil, errors.New("ca: want a PEM CERTIFICATE and its EC PRIVATE KEY (as 'corsproof ca' writes)")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("ca: the certificate does not parse: %w", err)
	}
	if !cert.IsCA {
		return nil, errors.New("ca: the certificate is not a CA's")
	}
	if pub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		return nil, errors.New("ca: the private key is not the certificate's")
	}
	if now := time.Now(); now.After(cert.NotAfter) || now.Before(cert.NotBefore) {
		return nil, fmt.Errorf("ca: the certificate is valid from %s to %s, not now", cert.NotBefore.Format(time.DateOnly), cert.NotAfter.Format(time.DateOnly))
	}
	return caFrom(der, key)
}

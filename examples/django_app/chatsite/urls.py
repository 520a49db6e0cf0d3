from django.urls import path

from chatsite import views

urlpatterns = [
    path("", views.index, name="index"),
    path("api/chat", views.chat, name="chat"),
]

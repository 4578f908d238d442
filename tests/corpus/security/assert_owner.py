# expect: SEC031
def edit_post(user, post, text):
    assert post.owner_id == user.id, "not your post"
    post.text = text
    post.save()
